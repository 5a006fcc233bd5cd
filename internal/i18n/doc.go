// Package i18n loads the locales (go-i18n message files), renders messages with CLDR
// plurals and a fallback chain, and checks that no language lags behind the source.
package i18n
