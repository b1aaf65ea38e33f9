-- Complaints typed and cleaned. A missing is_responsible means true;
-- satisfied stays NULL when the customer gave no verdict. A missing priority
-- (no column in the extract, or an empty cell) is normal.
select
    {{ clean_text('complaint_id') }} as complaint_id,
    {{ clean_text('ticket_id') }} as ticket_id,
    {{ clean_text('customer_id') }} as customer_id,
    {{ clean_text('agent_id') }} as agent_id,
    received_at,
    {{ clean_text('source') }} as source,
    {{ clean_code('severity') }} as severity,
    {{ contract_default('complaints', 'is_responsible') }} as is_responsible,
    resolved_at,
    satisfied,
    {{ contract_default('complaints', 'priority') }} as priority,
    cast(received_at as date) as received_date,
    cast(resolved_at as date) as resolved_date,
    cast({{ seconds_between('received_at', 'resolved_at') }} as {{ type_double() }}) / 3600 as resolution_hours,
    _source_file,
    _source_row,
    _loaded_at
from {{ source('raw', 'complaints') }}
