-- Quality-management reviews typed and cleaned.
select
    {{ clean_text('review_id') }} as review_id,
    {{ clean_text('agent_id') }} as agent_id,
    reviewed_at,
    score,
    cast(reviewed_at as date) as reviewed_date,
    _source_file,
    _source_row,
    _loaded_at
from {{ source('raw', 'qa_reviews') }}
