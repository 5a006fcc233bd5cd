package flow

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads every *.yaml file at the top of fsys as one flow. Errors name file and line.
func Load(fsys fs.FS) ([]*Flow, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("flow: list: %w", err)
	}
	sort.Strings(names)
	var flows []*Flow
	seen := map[string]string{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("flow: read %s: %w", name, err)
		}
		f, err := Parse(name, data)
		if err != nil {
			return nil, err
		}
		if other, ok := seen[f.Name]; ok {
			return nil, fmt.Errorf("%s:%d: flow %q is also defined in %s", name, f.Line, f.Name, other)
		}
		seen[f.Name] = name
		flows = append(flows, f)
	}
	if len(flows) == 0 {
		return nil, fmt.Errorf("flow: no *.yaml flows found")
	}
	return flows, nil
}

// Parse reads one flow file; unknown fields are errors so a typo never passes silently.
func Parse(file string, data []byte) (*Flow, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %s", file, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	f := &Flow{}
	if err := dec.Decode(f); err != nil {
		return nil, fmt.Errorf("%s: %s", file, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	f.File = path.Base(file)
	if f.Name == "" {
		f.Name = strings.TrimSuffix(f.File, ".yaml")
	}
	if strings.Contains(f.Name, ".") {
		return nil, fmt.Errorf("%s:1: flow name %q must not contain a dot", file, f.Name)
	}
	recordLines(f, &root)
	return f, nil
}

// recordLines copies YAML line numbers onto flows, steps and commands for messages.
func recordLines(f *Flow, root *yaml.Node) {
	if len(root.Content) == 0 {
		return
	}
	doc := root.Content[0]
	f.Line = doc.Line
	for i := 0; i+1 < len(doc.Content); i += 2 {
		switch doc.Content[i].Value {
		case "steps":
			m := doc.Content[i+1]
			for j := 0; j+1 < len(m.Content); j += 2 {
				if s := f.Steps[m.Content[j].Value]; s != nil {
					s.Line = m.Content[j].Line
				}
			}
		case "commands":
			for j, c := range doc.Content[i+1].Content {
				if j < len(f.Commands) {
					f.Commands[j].Line = c.Line
				}
			}
		}
	}
}
