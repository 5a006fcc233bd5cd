package handoff

import "github.com/guidebot/guidebot/internal/message"

// who shows guides where a participant writes from without giving the number: an
// SMS number as "+46 70 … 02", a Telegram chat as nothing but the channel.
func who(channel, address string) string {
	if channel != message.SMS || len(address) < 8 {
		return channel
	}
	return address[:3] + " " + address[3:5] + " … " + address[len(address)-2:]
}
