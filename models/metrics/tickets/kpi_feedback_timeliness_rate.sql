-- 客户意见反馈及时率: feedback tickets created in the period (by created_at);
-- numerator: first response within feedback_sla_hours of creation (exactly on
-- the SLA is timely). No first response = not timely.
{{ ticket_timeliness('feedback', 'first_response_at', var('feedback_sla_hours')) }}
