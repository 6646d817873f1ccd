from odoo import models


class HubProcess(models.Model):
    _inherit = "hub.process"
