package flow_test

import (
	"testing"

	"github.com/guidebot/guidebot/internal/flow"
)

// benchScript is a realistic round through the shipped flows by a Swedish
// participant: numbers, labels typed in words, yes/no words and commands. It returns
// to main.menu, so it can repeat forever.
var benchScript = []flow.Input{
	text("2"),                   // main.menu → cards.list
	text("1"),                   // → cards.bills1
	text("Nästa"),               // label → cards.bills2
	text("nästa"),               // → cards.bills3
	text("3"),                   // out of range: reprompt
	text("1"),                   // → cards.helped
	text("ja"),                  // yes → cards.glad → main.menu
	text("Gör min plan"),        // a miss
	text("1"),                   // → intake.topic
	text("Lösenord"),            // label → intake.added
	text("nej"),                 // → intake.done → main.menu
	text("min plan"),            // command → plan.show
	text("tillbaka till menyn"), // label → main.menu
	text("4"),                   // → feedback.rate
	text("5"),                   // → feedback.comment
	text("Bra hjälp, tack!"),    // free text → feedback.thanks → main.menu
	text("hjälp"),               // command → main.help → main.menu
	{Kind: flow.Button, Step: "main.menu", Option: "guide"},
	text("/menu"), // slash command
}

// BenchmarkStep steps one participant through benchScript over and over.
func BenchmarkStep(b *testing.B) {
	w := shipped(b)
	start := at("main.menu", "sv")
	s := start
	// Check the script once: it must end where it began, without errors.
	for _, in := range benchScript {
		s, _, _ = step(b, w.eng, s, in)
	}
	if s.Step != "main.menu" {
		b.Fatalf("the script ends at %s, not main.menu", s.Step)
	}
	s = start
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		s, _, _, err = w.eng.Step(s, benchScript[i%len(benchScript)], now0)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}
