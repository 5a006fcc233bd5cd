// Package admin is the coordinators' HTTP side: the programme report as JSON at
// /api/report, behind the admin token.
package admin
