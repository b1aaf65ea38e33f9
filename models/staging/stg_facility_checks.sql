-- Inspections of a building's public facilities typed and cleaned.
select
    {{ clean_text('check_id') }} as check_id,
    check_date,
    {{ clean_text('building') }} as building,
    {{ clean_text('agent_id') }} as agent_id,
    items_checked,
    items_intact,
    _source_file,
    _source_row,
    _loaded_at
from {{ source('raw', 'facility_checks') }}
