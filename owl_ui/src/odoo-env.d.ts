// The parts of Odoo 18's web client the logistics_hub components use, typed from the Odoo 18 sources
// (odoo/addons/web/static/src, odoo/addons/bus/static/src). Only what we call is declared: a new use
// of the web client must be added here first, against the source, so the type check keeps meaning.
// At runtime these modules are resolved by Odoo's module loader (esbuild keeps them external).

/* eslint-disable @typescript-eslint/no-explicit-any */

declare namespace OdooWeb {
  type Domain = Array<string | [string, string, unknown]>

  /** @web/core/orm_service */
  interface OrmService {
    call<T = unknown>(model: string, method: string, args?: unknown[], kwargs?: Record<string, unknown>): Promise<T>
    searchRead<T = Record<string, unknown>>(model: string, domain: Domain, fields: string[], kwargs?: { order?: string, limit?: number, offset?: number, context?: Record<string, unknown> }): Promise<T[]>
  }

  /** @bus/services/bus_service: notifications are dispatched by type; channels are per browser tab. */
  interface BusService {
    addChannel(channel: string): Promise<void>
    deleteChannel(channel: string): void
    subscribe(type: string, callback: (payload: any, meta: { id: number }) => void): void
    unsubscribe(type: string, callback: (payload: any, meta: { id: number }) => void): void
  }

  /** @web/core/dialog/dialog_service: add() returns the function closing that dialog. */
  interface DialogService {
    add(component: any, props?: Record<string, unknown>, options?: { onClose?: () => void }): () => void
  }

  /** @web/core/notifications/notification_service */
  interface NotificationService {
    add(message: string, options?: { title?: string, type?: 'info' | 'success' | 'warning' | 'danger', sticky?: boolean }): () => void
  }

  /** @web/webclient/actions/action_service */
  interface ActionService {
    doAction(action: unknown, options?: Record<string, unknown>): Promise<void>
  }

  interface Services {
    orm: OrmService
    bus_service: BusService
    dialog: DialogService
    notification: NotificationService
    action: ActionService
  }

  /** @web/model/relational_model/record: the datapoint a field widget receives. */
  interface Record {
    resId: number | false
    resModel: string
    data: { [field: string]: any }
    /** may lag behind pending edits; Odoo's own code calls isDirty() before discarding anything */
    dirty: boolean
    isNew: boolean
    isDirty(): Promise<boolean>
    load(): Promise<void>
    model: { root: unknown }
  }

  /** The props every field widget receives (standardFieldProps). */
  interface StandardFieldProps {
    id?: string
    name: string
    readonly?: boolean
    record: Record
  }

  /** The props every client action receives (standardActionServiceProps). */
  interface ActionProps {
    action: { id?: number, tag?: string, name?: string, params?: { [key: string]: unknown }, context?: { [key: string]: unknown } }
    actionId?: number
    className?: string
    globalState?: object
    state?: object
    resId?: number | boolean
    updateActionState?: (state: object) => void
  }

  /** Chart.js 4 as bundled by Odoo (web.chartjs_lib): a global once the bundle is loaded. */
  interface ChartInstance {
    data: { labels?: unknown[], datasets: Array<{ data: unknown[] }> }
    update(mode?: string): void
    destroy(): void
  }
  type ChartConstructor = new (canvas: HTMLCanvasElement, config: { type: string, data: unknown, options?: unknown }) => ChartInstance
}

declare module '@web/core/registry' {
  interface Registry {
    add(key: string, value: unknown, options?: { force?: boolean, sequence?: number }): Registry
    get(key: string, defaultValue?: unknown): any
    contains(key: string): boolean
    category(name: string): Registry
  }
  export const registry: Registry
}

declare module '@web/core/utils/hooks' {
  export function useService<K extends keyof OdooWeb.Services>(name: K): OdooWeb.Services[K]
}

declare module '@web/core/l10n/translation' {
  export function _t(term: string, ...values: unknown[]): string
}

declare module '@web/core/l10n/dates' {
  /** A luxon DateTime; only passed back to formatDateTime here. */
  type DateTime = object & { readonly isValid: boolean }
  /** "YYYY-MM-DD HH:MM:SS" in UTC (the server format) -> DateTime in the user's zone. */
  export function deserializeDateTime(value: string): DateTime
  export function formatDateTime(value: DateTime | false, options?: { format?: string }): string
}

declare module '@web/core/user' {
  export const user: { userId: number, hasGroup(group: string): Promise<boolean> }
}

declare module '@web/core/assets' {
  export function loadBundle(bundleName: string): Promise<void>
}

declare module '@web/core/dialog/dialog' {
  import type { Component } from '@odoo/owl'
  export class Dialog extends Component {}
}

declare module '@web/views/fields/standard_field_props' {
  export const standardFieldProps: {
    id: { type: StringConstructor, optional: true }
    name: { type: StringConstructor }
    readonly: { type: BooleanConstructor, optional: true }
    record: { type: ObjectConstructor }
  }
}

declare module '@web/webclient/actions/action_service' {
  export const standardActionServiceProps: {
    action: ObjectConstructor
    actionId: { type: NumberConstructor, optional: true }
    className: { type: StringConstructor, optional: true }
    globalState: { type: ObjectConstructor, optional: true }
    state: { type: ObjectConstructor, optional: true }
    resId: { type: Array<NumberConstructor | BooleanConstructor>, optional: true }
    updateActionState: { type: FunctionConstructor, optional: true }
  }
}
