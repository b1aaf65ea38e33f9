-- CRM customers typed and cleaned. big_client_from is the date from which a
-- big client counts as big: big_client_since, else signed_at; NULL (both
-- missing) means always. Names and phones (PII) are not carried.
select
    {{ clean_text('customer_id') }} as customer_id,
    {{ clean_text('region') }} as region,
    is_big_client,
    big_client_since,
    signed_at,
    churned_at,
    coalesce(big_client_since, signed_at) as big_client_from,
    _source_file,
    _source_row,
    _loaded_at
from {{ source('raw', 'customers') }}
