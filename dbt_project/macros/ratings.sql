{#
  Manual ratings (考评) combined per group of rater-months.

  `rater_months` names a CTE with the columns `keys` and rater_type, rater_key, rater_score: one row
  per rater, rated agent and month (int_rating_rater_months), placed in the groups `keys` (e.g. period
  and agent). Defines the CTE `into`, one row per group: the score of each rater type (self, peer,
  supervisor, manager; NULL when that type did not rate), the combined score and rater_count.
    type score      the mean of the type's rater-months in the group: for a month the mean over its
                    raters, for a quarter or a year the mean over all of its rater-months in the period.
    combined_score  Σ w x score / Σ w over the types present whose weight (seed rating_weights; a type
                    missing from the seed weighs 0) is above 0; NULL when there is none.
    rater_count     the distinct raters, (rater_type, rater_key), of every type in the group.
  Same bits on every engine: a type's mean is an exact_sum over its rater-months, so it does not depend
  on the order rows arrive in; the combined score is one row's arithmetic in a fixed order of the
  types, each term (w / Σw) x score, so a single weighted type gives exactly its own score. A weighted
  mean lies between the lowest and the highest score it weighs: it is held there, so rounding never
  takes it a last bit outside (above 100, say).
  Usage: `with rater_months as (...) {{ rating_scores('rater_months', [...], into='x') }} select ... from x`;
  the macro continues the WITH list.
#}
{% macro rating_scores(rater_months, keys, into) %}
{%- set rater_types = ['self', 'peer', 'supervisor', 'manager'] %}
{%- set key_list = keys | join(', ') %}
, {{ into }}_types as (
    select
        {%- for key in keys %}
        rated.{{ key }},
        {%- endfor %}
        rated.rater_type,
        {{ exact_sum('rated.rater_score') }} / cast(count(*) as {{ type_double() }}) as type_score,
        count(distinct rated.rater_key) as type_raters,
        {#- The type's weight when it counts (above 0), else 0. #}
        case
            when max(weights.weight) > 0 then cast(max(weights.weight) as {{ type_double() }})
            else cast(0 as {{ type_double() }})
        end as counted_weight
    from {{ rater_months }} as rated
    left join {{ ref('rating_weights') }} as weights
        on weights.rater_type = rated.rater_type
    group by {% for key in keys %}rated.{{ key }}, {% endfor %}rated.rater_type
),
{{ into }}_pivot as (
    select
        {{ key_list }},
        {%- for type in rater_types %}
        max(case when rater_type = '{{ type }}' then type_score end) as {{ type }}_score,
        coalesce(max(case when rater_type = '{{ type }}' then counted_weight end), 0) as {{ type }}_weight,
        {%- endfor %}
        min(case when counted_weight > 0 then type_score end) as lowest_weighted_score,
        max(case when counted_weight > 0 then type_score end) as highest_weighted_score,
        sum(type_raters) as rater_count
    from {{ into }}_types
    group by {{ key_list }}
),
{{ into }}_weighed as (
    select
        *,
        {% for type in rater_types %}{{ type }}_weight{{ ' + ' if not loop.last }}{% endfor %} as total_weight
    from {{ into }}_pivot
),
{{ into }}_combined as (
    select
        *,
        case when total_weight > 0 then
            {%- for type in rater_types %}
            (case when {{ type }}_weight > 0 then {{ type }}_weight / total_weight * {{ type }}_score else 0 end)
            {{- ' +' if not loop.last }}
            {%- endfor %}
        end as weighted_mean
    from {{ into }}_weighed
),
{{ into }} as (
    select
        {{ key_list }},
        {%- for type in rater_types %}
        {{ type }}_score,
        {%- endfor %}
        case
            when weighted_mean < lowest_weighted_score then lowest_weighted_score
            when weighted_mean > highest_weighted_score then highest_weighted_score
            else weighted_mean
        end as combined_score,
        rater_count
    from {{ into }}_combined
)
{%- endmacro %}
