-- 客户服务信息传递及时率: info_transfer tickets created in the period (by
-- created_at); numerator: transferred within transfer_sla_hours of creation
-- (exactly on the SLA is timely). No transfer time = not timely.
{{ ticket_timeliness('info_transfer', 'transferred_at', var('transfer_sla_hours')) }}
