-- Property-fee collection typed and cleaned: households due and paid per
-- month, building and steward (管家).
select
    period_month,
    {{ clean_text('building') }} as building,
    {{ clean_text('agent_id') }} as agent_id,
    households_due,
    households_paid,
    _source_file,
    _source_row,
    _loaded_at
from {{ source('raw', 'fee_collection') }}
