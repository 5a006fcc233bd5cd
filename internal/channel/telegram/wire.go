package telegram

import "encoding/json"

// wireUpdate is the part of a Telegram Update the bot reads. Decoding into it rather
// than go-telegram/bot's models.Update (hundreds of fields, and a decoder of its own
// that reads a button's message twice) was a third of the webhook's CPU.
type wireUpdate struct {
	ID            int64         `json:"update_id"`
	Message       *wireMessage  `json:"message,omitempty"`
	CallbackQuery *wireCallback `json:"callback_query,omitempty"`
}

type wireChat struct {
	ID   int64  `json:"id"`
	Type string `json:"type"`
}

type wireUser struct {
	ID           int64  `json:"id"`
	FirstName    string `json:"first_name,omitempty"`
	LanguageCode string `json:"language_code,omitempty"`
}

type wireFile struct {
	FileID string `json:"file_id"`
}

// wireMessage is a message, or what Telegram sends of an inaccessible one (its chat).
type wireMessage struct {
	Chat      wireChat   `json:"chat"`
	From      *wireUser  `json:"from,omitempty"`
	Text      string     `json:"text,omitempty"`
	Photo     []wireFile `json:"photo,omitempty"`
	Voice     *wireFile  `json:"voice,omitempty"`
	VideoNote *wireFile  `json:"video_note,omitempty"`
	Video     *wireFile  `json:"video,omitempty"`
	Animation *wireFile  `json:"animation,omitempty"`
	Audio     *wireFile  `json:"audio,omitempty"`
	Document  *wireFile  `json:"document,omitempty"`
	Sticker   *wireFile  `json:"sticker,omitempty"`
	// Kinds the bot only names: their content is of no use to it.
	Venue    json.RawMessage `json:"venue,omitempty"`
	Location json.RawMessage `json:"location,omitempty"`
	Contact  json.RawMessage `json:"contact,omitempty"`
	Poll     json.RawMessage `json:"poll,omitempty"`
	Dice     json.RawMessage `json:"dice,omitempty"`
	Story    json.RawMessage `json:"story,omitempty"`
}

type wireCallback struct {
	ID      string       `json:"id"`
	From    wireUser     `json:"from"`
	Data    string       `json:"data,omitempty"`
	Message *wireMessage `json:"message,omitempty"`
}

// present says a raw field was sent with a value.
func present(raw json.RawMessage) bool { return len(raw) > 0 && string(raw) != "null" }
