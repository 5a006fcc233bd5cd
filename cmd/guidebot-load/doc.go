// Command guidebot-load drives guidebot serve with simulated participants through signed webhooks, plays the Bot API and Twilio itself, and prints one JSON line of results.
package main
