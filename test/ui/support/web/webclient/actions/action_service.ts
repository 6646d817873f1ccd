// The props Odoo 18's action service gives a client action (standardActionServiceProps).
export const standardActionServiceProps = {
  action: Object,
  actionId: { type: Number, optional: true },
  className: { type: String, optional: true },
  globalState: { type: Object, optional: true },
  state: { type: Object, optional: true },
  resId: { type: [Number, Boolean], optional: true },
  updateActionState: { type: Function, optional: true }
}
