with

records as (

    select * from {{ ref('stg_crm__customer_records') }}

),

name_aliases as (

    select
        alias,
        canonical_name
    from {{ ref('identity_name_aliases') }}

),

final as (

    select
        records.customer_record_key,
        records.source_system,
        records.source_record_id,
        records.account_id,
        records.first_name_normalized as first_name,
        records.last_name_normalized as last_name,
        coalesce(name_aliases.canonical_name, records.first_name_normalized) as first_name_canonical,
        substr(records.first_name_normalized, 1, 1) as first_initial,
        substr(records.last_name_normalized, 1, 1) as last_initial,
        -- the first two letters of each name: blocks two names that both carry a typo after them
        case
            when records.first_name_normalized is not null and records.last_name_normalized is not null
                then substr(records.first_name_normalized, 1, 2) || substr(records.last_name_normalized, 1, 2)
        end as name_prefixes,
        {{ phonetic_code('records.last_name_normalized') }} as last_name_phonetic,
        {{ phonetic_code('records.first_name_normalized') }} as first_name_phonetic,
        -- the two names in alphabetical order: blocks a record on its names even when they were swapped
        case
            when records.first_name_normalized < records.last_name_normalized
                then records.first_name_normalized || ' ' || records.last_name_normalized
            else records.last_name_normalized || ' ' || records.first_name_normalized
        end as name_pair_sorted,
        records.email,
        records.phone_e164,
        -- the number without its last 5 digits, and its last 7: one mistyped digit leaves one of them whole
        left(records.phone_e164, length(records.phone_e164) - 5) as phone_head,
        right(records.phone_e164, 7) as phone_tail,
        records.date_of_birth,
        coalesce(
            cast(records.date_of_birth as {{ dbt.type_string() }}),
            case
                when {{ regex_matches('records.date_of_birth_source_text', '^(19|20)[0-9]{6}$') }}
                    then concat_ws(
                        '-',
                        substr(records.date_of_birth_source_text, 1, 4),
                        substr(records.date_of_birth_source_text, 5, 2),
                        substr(records.date_of_birth_source_text, 7, 2)
                    )
            end
        ) as date_of_birth_text,
        records.postcode_normalized as postcode,
        {{ normalize_name('records.street') }} as street,
        -- without spaces: blocks 'fuhrman street' with 'fuhrmans treet' (a space typo)
        nullif(replace({{ normalize_name('records.street') }}, ' ', ''), '') as street_compact,
        {{ normalize_name('records.city') }} as city,
        records.source_updated_at,
        records.trust_rank,
        records._loaded_at as loaded_at,
        records.first_loaded_at
    from records
    left join name_aliases
        on records.first_name_normalized = name_aliases.alias

)

select * from final
