-- Monthly plan figures and actuals typed and cleaned; period_month is the
-- first day of the month. A NULL actual is not reported yet.
select
    period_month,
    {{ clean_code('plan_code') }} as plan_code,
    planned,
    actual,
    _source_file,
    _source_row,
    _loaded_at
from {{ source('raw', 'plans') }}
