// Same as Odoo 18's @web/views/fields/standard_field_props.
export const standardFieldProps = {
  id: { type: String, optional: true },
  name: { type: String },
  readonly: { type: Boolean, optional: true },
  record: { type: Object }
}
