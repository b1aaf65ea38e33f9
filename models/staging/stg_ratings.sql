-- Manual ratings typed and cleaned: a rater's score of one agent on one item
-- for one month. rater_id is confidential (考核数据保密): it is used to tell
-- raters apart and never published.
select
    {{ clean_text('rating_id') }} as rating_id,
    period_month,
    {{ clean_text('agent_id') }} as agent_id,
    {{ clean_code('rater_type') }} as rater_type,
    {{ clean_text('rater_id') }} as rater_id,
    {{ clean_text('item') }} as item,
    score,
    _source_file,
    _source_row,
    _loaded_at
from {{ source('raw', 'ratings') }}
