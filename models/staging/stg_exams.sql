-- Business-knowledge exam results typed and cleaned.
select
    {{ clean_text('exam_id') }} as exam_id,
    {{ clean_text('agent_id') }} as agent_id,
    exam_date,
    score,
    _source_file,
    _source_row,
    _loaded_at
from {{ source('raw', 'exams') }}
