-- Customer follow-up calls typed and cleaned. Cancelled callbacks stay here
-- with their status; KPI models exclude them.
select
    {{ clean_text('callback_id') }} as callback_id,
    {{ clean_text('customer_id') }} as customer_id,
    {{ clean_text('agent_id') }} as agent_id,
    planned_date,
    completed_at,
    {{ clean_code('status') }} as status,
    {{ clean_code('reason') }} as reason,
    {{ clean_text('related_complaint_id') }} as related_complaint_id,
    cast(completed_at as date) as completed_date,
    {{ clean_code('status') }} = 'cancelled' as is_cancelled,
    _source_file,
    _source_row,
    _loaded_at
from {{ source('raw', 'callbacks') }}
