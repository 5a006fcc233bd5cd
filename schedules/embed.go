// Package schedules holds the sample schedule built into the binary; SCHEDULE_FILE
// replaces it.
package schedules

import _ "embed"

// SampleName is the sample's file name, for messages that point into it.
const SampleName = "schedules/sample.yaml"

// Sample is a schedule modelled on the programmes guidebot serves: Karlskoga's
// drop-ins (the library on Saturdays, a senior-housing drop-in that alternates
// between two venues on even and odd weeks), a Finnish venue, and a course with seats.
//
//go:embed sample.yaml
var Sample []byte
