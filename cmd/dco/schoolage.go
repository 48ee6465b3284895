package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"dco/internal/send"
)

const schoolAgeUsage = `Usage: dco school-age DOB [--on DATE]

Prints, as one JSON object, what dco derives from a date of birth (DOB,
YYYY-MM-DD) on a date (default today in England):

  date_of_birth, on                 the dates given
  age                               age in whole years
  compulsory_school_age_from        first day of compulsory school age
  compulsory_school_age_until       last day of compulsory school age
  status                            child, young_person or over_25
  nc_year                           national curriculum year by age: R, 1 to 14,
                                    or "" before Reception and after year 14
  sen2_age_band                     under 5, 5 to 10, 11 to 15, 16 to 19,
                                    20 to 25, or "" over 25

Compulsory school age starts on the fifth birthday if it falls on 31 December,
31 March or 31 August, otherwise on the next of those days (Education Act 1996
s.8), and ends on the last Friday in June of the school year in which the
child turns 16 (Education (School Leaving Date) Order 1997). A child is not
over compulsory school age; a young person is over it and under 25 (Children
and Families Act 2014 s.83).

Example:
  dco school-age 2018-09-01 --on 2025-01-15

Exit status: 0 printed, 2 bad input.`

// schoolAgeJSON is the output of dco school-age; the field order is the
// order of the keys on the page.
type schoolAgeJSON struct {
	DateOfBirth              send.Date   `json:"date_of_birth"`
	On                       send.Date   `json:"on"`
	Age                      int         `json:"age"`
	CompulsorySchoolAgeFrom  send.Date   `json:"compulsory_school_age_from"`
	CompulsorySchoolAgeUntil send.Date   `json:"compulsory_school_age_until"`
	Status                   send.Status `json:"status"`
	NCYear                   string      `json:"nc_year"`
	SEN2AgeBand              string      `json:"sen2_age_band"`
}

// cmdSchoolAge prints the fields derived from a date of birth.
func cmdSchoolAge(_ context.Context, env *Env, args []string) int {
	fs := flag.NewFlagSet("dco school-age", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	onFlag := fs.String("on", "", "the date to derive on, YYYY-MM-DD (default today in England)")
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		printUsage(env.Stdout, fs, schoolAgeUsage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "dco school-age: %v; run dco school-age --help\n", err)
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprintln(env.Stderr, "dco school-age: want one date of birth, e.g. dco school-age 2018-09-01 --on 2025-01-15")
		return 2
	}
	dob, err := send.ParseDate(pos[0])
	if err != nil {
		fmt.Fprintf(env.Stderr, "dco school-age: date of birth: %v\n", err)
		return 2
	}
	var on send.Date
	if *onFlag != "" {
		if on, err = send.ParseDate(*onFlag); err != nil {
			fmt.Fprintf(env.Stderr, "dco school-age: --on: %v\n", err)
			return 2
		}
	} else {
		on = send.Today(env.Now())
	}
	if on.Before(dob) {
		fmt.Fprintf(env.Stderr, "dco school-age: the date of birth %s is after %s\n", dob, on)
		return 2
	}

	d := send.Derive(dob, on)
	out := schoolAgeJSON{
		DateOfBirth:              dob,
		On:                       on,
		Age:                      d.Age,
		CompulsorySchoolAgeFrom:  d.CompulsorySchoolAgeFrom,
		CompulsorySchoolAgeUntil: d.CompulsorySchoolAgeUntil,
		Status:                   d.Status,
		NCYear:                   d.NCYear,
		SEN2AgeBand:              d.SEN2AgeBand,
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintf(env.Stderr, "dco school-age: %v\n", err)
		return 1
	}
	return 0
}
