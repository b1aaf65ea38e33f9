-- Non-call work orders typed and cleaned. is_resolved is judged as of the
-- extract: resolved_at set, or status resolved/closed. A missing priority
-- (no column in the extract, or an empty cell) is normal.
select
    {{ clean_text('ticket_id') }} as ticket_id,
    {{ clean_code('channel') }} as channel,
    {{ clean_code('category') }} as category,
    {{ clean_text('issue_type') }} as issue_type,
    {{ clean_text('customer_id') }} as customer_id,
    {{ clean_text('agent_id') }} as agent_id,
    created_at,
    first_response_at,
    transferred_at,
    {{ clean_text('target_department') }} as target_department,
    resolved_at,
    {{ clean_code('status') }} as status,
    first_contact_resolution,
    reopened_count,
    {{ contract_default('tickets', 'priority') }} as priority,
    cast(created_at as date) as created_date,
    cast(resolved_at as date) as resolved_date,
    {{ clean_code('status') }} = 'cancelled' as is_cancelled,
    (resolved_at is not null or {{ clean_code('status') }} in ('resolved', 'closed')) as is_resolved,
    _source_file,
    _source_row,
    _loaded_at
from {{ source('raw', 'tickets') }}
