// The identifier subset of Steward's bundled pack as YARA rules, for the
// benchmark only: SSNs, payment cards, NANP phone numbers, e-mail addresses.
// YARA has no validators or context; it only finds the shapes.
rule ssn_formatted { strings: $a = /\b[0-9]{3}[- .][0-9]{2}[- .][0-9]{4}\b/ condition: $a }
rule payment_card { strings: $a = /\b[0-9]([ -]?[0-9]){11,18}\b/ condition: $a }
rule phone_nanp { strings: $a = /(\([0-9]{3}\)[-. ]?|\b[0-9]{3}[-. ])[0-9]{3}[-. ][0-9]{4}\b/ condition: $a }
rule email { strings: $a = /[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,24}/ condition: $a }
