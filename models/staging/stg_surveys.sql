-- Satisfaction surveys typed and cleaned, with the CSAT score on 0-100
-- (csat_score x 20) and the NPS classes (promoter 9-10, detractor 0-6;
-- NULL without an nps_score).
select
    {{ clean_text('survey_id') }} as survey_id,
    {{ clean_text('customer_id') }} as customer_id,
    {{ clean_text('agent_id') }} as agent_id,
    {{ clean_code('interaction_type') }} as interaction_type,
    {{ clean_text('interaction_id') }} as interaction_id,
    responded_at,
    csat_score,
    nps_score,
    cast(responded_at as date) as responded_date,
    csat_score * 20 as csat_points,
    nps_score >= 9 as is_promoter,
    nps_score <= 6 as is_detractor,
    _source_file,
    _source_row,
    _loaded_at
from {{ source('raw', 'surveys') }}
