package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyLocales copies the shipped locales (and their review records) to a temp dir.
func copyLocales(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "locales"))); err != nil {
		t.Fatal(err)
	}
	return dir
}

// sheet reads an exported CSV sheet into rows keyed by id and form.
func sheet(t *testing.T, name string) (header []string, rows map[string][]string) {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows = map[string][]string{}
	for _, r := range all[1:] {
		rows[r[0]+"/"+r[1]] = r
	}
	return all[0], rows
}

func writeSheet(t *testing.T, name string, header []string, rows ...[]string) {
	t.Helper()
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write(header)
	w.WriteAll(rows)
	f.Close()
}

// TestTranslationWorkflow: a source text changes, check --strict lists its
// translations as stale, the exported sheet says so, a translator's sheet comes back
// in, and the translation is current again; a sheet that breaks a placeholder is
// refused and nothing is written.
func TestTranslationWorkflow(t *testing.T) {
	dir := copyLocales(t)
	vars := map[string]string{"LOCALES_DIR": dir}
	if code, _, e := runCmd(t, vars, "", "check", "--strict"); code != 0 {
		t.Fatalf("the shipped translations are not current: %s", e)
	}
	en := filepath.Join(dir, "en.yaml")
	data, _ := os.ReadFile(en)
	changed := strings.Replace(string(data), `card.email.3: "(3/3) Press Send.`, `card.email.3: "(3/3) Press Send (the arrow).`, 1)
	if changed == string(data) {
		t.Fatal("card.email.3 not found in en.yaml")
	}
	os.WriteFile(en, []byte(changed), 0o644)
	code, _, e := runCmd(t, vars, "", "check", "--strict")
	if code == 0 || !strings.Contains(e, "locales/ar.yaml:") || !strings.Contains(e, "card.email.3 is stale") ||
		strings.Count(e, "card.email.3 is stale") != 7 {
		t.Fatalf("check --strict after a source change (exit %d):\n%s", code, e)
	}
	if code, _, _ := runCmd(t, vars, "", "check"); code != 0 {
		t.Fatal("a stale translation failed check without --strict")
	}

	out := filepath.Join(t.TempDir(), "sheets")
	if code, o, e := runCmd(t, vars, "", "locales", "export", "--dir", out, "ar"); code != 0 || !strings.Contains(o, "1 stale") {
		t.Fatalf("export (exit %d): %s%s", code, o, e)
	}
	header, rows := sheet(t, filepath.Join(out, "ar.csv"))
	row := rows["card.email.3/other"]
	if row[4] != "stale" || !strings.Contains(row[2], "(the arrow)") {
		t.Fatalf("the sheet's row: %q", row)
	}
	if plural := rows["plan.header/few"]; plural == nil || plural[5] != "{{.Count}}" {
		t.Fatalf("Arabic's plural form few of plan.header: %q", plural)
	}

	// A translator's sheet: the changed text and one more, marked ok; the rest left out.
	row[3], row[4] = "(3/3) اضغط «إرسال» (السهم).", "ok"
	good := filepath.Join(t.TempDir(), "ar.csv")
	writeSheet(t, good, header, row)
	arBefore, _ := os.ReadFile(filepath.Join(dir, "ar.yaml"))
	if code, o, e := runCmd(t, vars, "", "locales", "import", good); code != 0 || !strings.Contains(o, "1 texts changed") {
		t.Fatalf("import (exit %d): %s%s", code, o, e)
	}
	if code, _, e := runCmd(t, vars, "", "check", "--strict"); code == 0 || strings.Contains(e, "ar.yaml") ||
		strings.Count(e, "card.email.3 is stale") != 6 {
		t.Fatalf("after the Arabic import, Arabic is still stale or others are not (exit %d):\n%s", code, e)
	}
	ar, _ := os.ReadFile(filepath.Join(dir, "ar.yaml"))
	if !strings.Contains(string(ar), `card.email.3: "(3/3) اضغط «إرسال» (السهم)."`) {
		t.Fatal("the translation is not in ar.yaml")
	}
	// The rest of the file as it was: comments, order, blank lines.
	was, now := strings.Split(string(arBefore), "\n"), strings.Split(string(ar), "\n")
	differ := 0
	for i := range min(len(was), len(now)) {
		if was[i] != now[i] {
			differ++
		}
	}
	if len(was) != len(now) || differ != 1 {
		t.Fatalf("the import changed %d lines of %d (%d after), want the one", differ, len(was), len(now))
	}
	_, rows = sheet(t, filepath.Join(out, "ar.csv"))
	runCmd(t, vars, "", "locales", "export", "--dir", out, "ar")
	if _, rows = sheet(t, filepath.Join(out, "ar.csv")); rows["card.email.3/other"][4] != "ok" {
		t.Fatalf("after import the row reads %q, want ok", rows["card.email.3/other"])
	}

	// A placeholder lost, an unknown id and a form Arabic does not have: refused whole.
	lost := rows["plan.header/few"]
	lost[3] = "خطة"
	bad := filepath.Join(t.TempDir(), "ar.csv")
	writeSheet(t, bad, header, lost, []string{"no.such", "other", "", "x", "ok", ""}, []string{"card.email.1", "few", "", "x", "ok", ""})
	before, _ := os.ReadFile(filepath.Join(dir, "ar.yaml"))
	code, _, e = runCmd(t, vars, "", "locales", "import", bad)
	for _, want := range []string{"no.such: no such message", `card.email.1: form "few"`} {
		if code == 0 || !strings.Contains(e, want) {
			t.Errorf("bad sheet (exit %d) lacks %q:\n%s", code, want, e)
		}
	}
	// Fixed but for the placeholder: check's own validation refuses it.
	writeSheet(t, bad, header, lost)
	if code, _, e = runCmd(t, vars, "", "locales", "import", bad); code == 0 || !strings.Contains(e, "placeholder {{.Count}} is missing") {
		t.Errorf("a lost placeholder was imported (exit %d):\n%s", code, e)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "ar.yaml")); string(after) != string(before) {
		t.Error("a refused sheet changed ar.yaml")
	}
}
