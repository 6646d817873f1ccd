{
    "name": "Logistics Hub",
    "summary": "Transactional outbox, partner sync status and inbound fulfilment "
    "for carriers, warehouses and other logistics partners",
    "version": "18.0.1.0.0",
    "category": "Inventory/Delivery",
    "license": "LGPL-3",
    "depends": ["sale_management", "sale_stock", "stock", "account", "mail", "bus"],
    "data": [
        "security/logistics_hub_security.xml",
        "security/ir.model.access.csv",
        "views/hub_connector_views.xml",
        "views/hub_route_views.xml",
        "views/hub_event_views.xml",
        "views/hub_sync_state_views.xml",
        "views/sale_order_views.xml",
        "views/stock_picking_views.xml",
        "views/account_move_views.xml",
        "views/hub_exception_views.xml",
        "views/hub_exception_workbench_views.xml",
        "wizard/hub_exception_carrier_wizard_views.xml",
        "views/hub_dashboard_views.xml",
        "views/hub_api_client_views.xml",
        "data/hub_status_exposure_data.xml",
        "views/res_config_settings_views.xml",
        "views/logistics_hub_menus.xml",
    ],
    # Built from owl_ui/ (npm run build:ui); committed, so Odoo needs no build step.
    "assets": {
        "web.assets_backend": [
            "logistics_hub/static/src/**/*",
        ],
    },
    "application": True,
    "installable": True,
}
