-- The open segments of int_business_clock by bucket of business seconds, so that a deadline (the instant B
-- reaches a target T) is found with an equi-join: T lies in the open segment with business_seconds_before < T
-- <= business_seconds_after, among those of bucket floor(T / bucket seconds). A segment is at most a day long
-- and a bucket a day of business seconds, so a segment is listed under at most two buckets.
with open_segments as (
    select
        calendar_date,
        segment_start_second,
        business_seconds_before,
        business_seconds_after
    from {{ ref('int_business_clock') }}
    where is_open
)

select
    cast(floor(business_seconds_before / {{ business_clock_bucket_seconds() }}) as bigint) as deadline_bucket,
    calendar_date,
    segment_start_second,
    business_seconds_before,
    business_seconds_after
from open_segments
union
select
    cast(floor(business_seconds_after / {{ business_clock_bucket_seconds() }}) as bigint) as deadline_bucket,
    calendar_date,
    segment_start_second,
    business_seconds_before,
    business_seconds_after
from open_segments
