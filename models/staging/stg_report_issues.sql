-- Issues raised about the centre's reports, typed and cleaned.
select
    {{ clean_text('issue_id') }} as issue_id,
    {{ clean_text('report_name') }} as report_name,
    raised_at,
    {{ clean_code('issue_type') }} as issue_type,
    cast(raised_at as date) as raised_date,
    _source_file,
    _source_row,
    _loaded_at
from {{ source('raw', 'report_issues') }}
