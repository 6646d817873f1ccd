import { Component } from '@odoo/owl'

// Stand-in for @web/core/dialog/dialog: the same props and slots (header, default, footer), a plain
// layout. The test loader adds DIALOG_TEMPLATE to the app.
export class Dialog extends Component {
  static override template = 'web.Dialog'
  static override props = {
    title: { type: String, optional: true },
    size: { type: String, optional: true },
    contentClass: { type: String, optional: true },
    bodyClass: { type: String, optional: true },
    footer: { type: Boolean, optional: true },
    header: { type: Boolean, optional: true },
    technical: { type: Boolean, optional: true },
    withBodyPadding: { type: Boolean, optional: true },
    slots: { type: Object, optional: true }
  }
}

export const DIALOG_TEMPLATE = `<templates>
  <t t-name="web.Dialog">
    <div class="o_dialog" role="dialog">
      <header class="modal-header"><h4 class="modal-title" t-esc="props.title"/></header>
      <main class="modal-body"><t t-slot="default"/></main>
      <footer class="modal-footer"><t t-slot="footer"/></footer>
    </div>
  </t>
</templates>`
