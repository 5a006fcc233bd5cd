package i18n

import "testing"

func TestPluralFormsFollowCLDR(t *testing.T) {
	tests := []struct {
		lang string
		want string
	}{
		{"en", "one,other"},
		{"sv", "one,other"},
		{"ar", "zero,one,two,few,many,other"},
		{"uk", "one,few,many,other"},
		{"ti", "one,other"},
		{"fa", "one,other"},
	}
	for _, tc := range tests {
		got := ""
		for i, f := range pluralForms(tc.lang) {
			if i > 0 {
				got += ","
			}
			got += f
		}
		if got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.lang, got, tc.want)
		}
	}
}
