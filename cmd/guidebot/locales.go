package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/guidebot/guidebot/internal/config"
	"github.com/guidebot/guidebot/internal/i18n"
)

// defaultLocalesDir is where `locales import` writes when LOCALES_DIR is unset: the
// repository's own folder, run from its top.
const defaultLocalesDir = "locales"

// localesCmd is the translation workflow for language experts, without YAML:
// `locales export [--dir DIR] [LANG…]` writes one CSV sheet per language, and
// `locales import FILE…` reads sheets back into the locale files.
func localesCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("locales: usage: guidebot locales export [--dir DIR] [LANG…] | import FILE.csv…")
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	switch args[0] {
	case "export":
		return exportLocales(cfg, args[1:], stdout, stderr)
	case "import":
		return importLocales(cfg, args[1:], stdout, stderr)
	}
	return fmt.Errorf("locales: unknown %q: export or import", args[0])
}

func exportLocales(cfg config.Config, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("locales export", flag.ContinueOnError)
	flags.SetOutput(stderr)
	dir := flags.String("dir", "translations", "the folder the sheets are written to, one LANG.csv each")
	if err := flags.Parse(args); err != nil {
		return err
	}
	c, err := loadContent(cfg)
	if err != nil {
		return err
	}
	langs := flags.Args()
	if len(langs) == 0 {
		for _, l := range c.catalog.Languages() {
			if l != i18n.Source {
				langs = append(langs, l)
			}
		}
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return fmt.Errorf("locales export: %w", err)
	}
	counts := c.catalog.Counts()
	for _, lang := range langs {
		name := filepath.Join(*dir, lang+".csv")
		f, err := os.Create(name)
		if err != nil {
			return fmt.Errorf("locales export: %w", err)
		}
		err = c.catalog.Export(f, lang)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %s\n", name, statusLine(counts[lang]))
	}
	return nil
}

func importLocales(cfg config.Config, files []string, stdout, stderr io.Writer) error {
	if len(files) == 0 {
		return errors.New("locales import: name the sheets to import (LANG.csv, as export writes them)")
	}
	dir := cfg.LocalesDir
	if dir == "" {
		dir = defaultLocalesDir
	}
	failed := false
	for _, name := range files {
		lang := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("locales import: %w", err)
		}
		sheet, err := i18n.ReadSheet(f, lang)
		f.Close()
		if err != nil {
			return fmt.Errorf("locales import: %s: %w", name, err)
		}
		changed, problems, err := i18n.Import(dir, sheet, cfg.DefaultLang)
		if err != nil {
			return fmt.Errorf("locales import: %s: %w", name, err)
		}
		for _, p := range problems {
			fmt.Fprintf(stderr, "%s: %s\n", name, p)
		}
		if len(problems) > 0 {
			failed = true
			fmt.Fprintf(stderr, "%s: not imported: %d problems\n", name, len(problems))
			continue
		}
		fmt.Fprintf(stdout, "%s: %d texts changed in %s\n", name, changed, filepath.Join(dir, lang+".yaml"))
	}
	if failed {
		return errors.New("locales import: some sheets had problems; nothing of them was written")
	}
	return nil
}

// statusLine tallies a language's messages by status, worst first.
func statusLine(counts map[i18n.Status]int) string {
	order := []i18n.Status{i18n.Missing, i18n.Stale, i18n.NeedsReview, i18n.Untracked, i18n.OK}
	var parts []string
	for _, st := range order {
		if n := counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	return strings.Join(parts, ", ")
}
