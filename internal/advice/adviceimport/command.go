package adviceimport

// Usage is the help of dco import advice-requests: the file format and what
// an import does.
const Usage = `Usage: dco import advice-requests FILE.csv [--dry-run]

Imports requests for health advice for EHC needs assessments (SEND
Regulations 2014 reg 8), past and open, from a CSV file (UTF-8, as a
spreadsheet saves it; FILE - reads standard input). The first line is the
header:

  la_code,la_reference,nhs_number,given_name,family_name,date_of_birth,
  received_on,returned_on,outcome,exception,exception_on

in any order. Dates are YYYY-MM-DD. received_on is when health received
the request: the six-week deadline is counted from it. outcome is advice,
not_known or withdrawn, and blank (with returned_on blank) while the request
is open. exception is a reg 8(2) exception, missed_appointment,
exceptional_circumstances or absent_from_area, with the date in
exception_on, or blank. la_code is the LA that asked, by DfE number (800)
or ONS code (E06000022). Each child is matched by NHS number (the name and
date of birth must agree) or registered in that LA.

Every problem is reported with its line number (the header is line 1), in
line order: problems in the file itself and those only the database finds
(an la_reference already recorded for the LA, a child registered with
another name or date of birth) are reported together, in one run. If there
is any, nothing is imported; otherwise every request is imported in one
transaction. --dry-run makes every check, against the database too, and
writes nothing.`
