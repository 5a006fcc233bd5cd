package main

import (
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestComposeKeepsItsPromises: compose.yaml (which this machine cannot run: no
// Docker engine) runs two replicas of the image on a Redis with the append-only
// file on, and the replicas wait for it and find it.
func TestComposeKeepsItsPromises(t *testing.T) {
	raw, err := os.ReadFile("../../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]struct {
			Build       any               `yaml:"build"`
			Image       string            `yaml:"image"`
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
			DependsOn   map[string]struct {
				Condition string `yaml:"condition"`
			} `yaml:"depends_on"`
			Healthcheck *struct{} `yaml:"healthcheck"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	replicas := 0
	for name, s := range c.Services {
		if s.Build == nil {
			continue
		}
		replicas++
		if s.Environment["REDIS_URL"] != "redis://redis:6379/0" || s.DependsOn["redis"].Condition != "service_healthy" {
			t.Errorf("%s: REDIS_URL %q, waits for redis %q", name, s.Environment["REDIS_URL"], s.DependsOn["redis"].Condition)
		}
	}
	if replicas != 2 {
		t.Errorf("%d replicas of guidebot, want 2", replicas)
	}
	redis := c.Services["redis"]
	if i := slices.Index(redis.Command, "--appendonly"); i < 0 || i+1 >= len(redis.Command) || redis.Command[i+1] != "yes" ||
		redis.Healthcheck == nil || !strings.HasPrefix(redis.Image, "redis:") {
		t.Errorf("redis: %+v, want the append-only file on and a health check", redis)
	}
}
