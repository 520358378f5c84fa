{#- Post-hook of the incremental pair models (levels, scores): delete the pairs int_identity__candidate_pairs no
    longer holds, by the model's key (pair_key or pair_id). Only on an incremental run: a full build writes no other
    pair. A null key is a row written before the model had that key column (sync_all_columns added it empty): the
    run rebuilt every pair, so it goes too. -#}
{% macro delete_pairs_no_longer_candidates(key='pair_key') -%}
    {%- if is_incremental() -%}
        {{ delete_rows(this, key ~ ' is null or ' ~ key ~ ' not in (select candidates.' ~ key ~ ' from '
            ~ ref('int_identity__candidate_pairs') ~ ' as candidates)') }}
    {%- endif -%}
{%- endmacro %}
