package main

import (
	"fmt"
	"io"

	"github.com/guidebot/guidebot/internal/config"
	"github.com/guidebot/guidebot/internal/flow"
)

// check validates what would be served: flows against every locale, and every locale
// against the source language. It prints each problem with file and line.
func check(getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := config.Load(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "guidebot check: %v\n", err)
		return 1
	}
	c, err := loadContent(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "guidebot check: %v\n", err)
		return 1
	}
	var problems []string
	for _, p := range c.catalog.Check() {
		problems = append(problems, p.String())
	}
	for _, p := range flow.Check(c.flows, c.catalog) {
		problems = append(problems, "flows/"+p.String())
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, p)
		}
		fmt.Fprintf(stderr, "guidebot check: %d problems\n", len(problems))
		return 1
	}
	steps := 0
	for _, f := range c.flows {
		steps += len(f.Steps)
	}
	fmt.Fprintf(stdout, "guidebot check: ok: %d flows, %d steps, %d locales (%v)\n",
		len(c.flows), steps, len(c.catalog.Languages()), c.catalog.Languages())
	return 0
}
