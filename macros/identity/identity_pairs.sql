{#- Post-hook of the incremental pair models (levels, scores): delete the pairs int_identity__candidate_pairs no
    longer holds. Only on an incremental run: a full build writes no other pair. -#}
{% macro delete_pairs_no_longer_candidates() -%}
    {%- if is_incremental() -%}
        {{ delete_rows(this, 'pair_key not in (select candidates.pair_key from '
            ~ ref('int_identity__candidate_pairs') ~ ' as candidates)') }}
    {%- endif -%}
{%- endmacro %}
