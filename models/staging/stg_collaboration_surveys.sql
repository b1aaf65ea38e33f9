-- Other departments' cooperation ratings typed and cleaned; period_month is
-- the first day of the rated month.
select
    {{ clean_text('response_id') }} as response_id,
    {{ clean_text('rating_department') }} as rating_department,
    period_month,
    score,
    _source_file,
    _source_row,
    _loaded_at
from {{ source('raw', 'collaboration_surveys') }}
