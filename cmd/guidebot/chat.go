package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/guidebot/guidebot/internal/channel"
	"github.com/guidebot/guidebot/internal/flow"
	"github.com/guidebot/guidebot/internal/message"
	"github.com/guidebot/guidebot/internal/outbox"
)

// chat is the terminal channel: each line of stdin is one inbound message, handled by
// the same bot and outbox as Telegram and SMS; replies are read back from the outbox.
func chat(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("chat", flag.ContinueOnError)
	flags.SetOutput(stderr)
	lang := flags.String("lang", "", "start in this language (sv, en, ar, fa, uk, ti, sw, fi)")
	as := flags.String("as", "local", "who to talk as; another name starts another conversation")
	if err := flags.Parse(args); err != nil {
		return err
	}
	a, err := newApp(ctx, getenv, stderr, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer a.close()
	if *lang != "" && !a.content.catalog.Has(*lang) {
		return fmt.Errorf("--lang %s: no such locale (have %v)", *lang, a.content.catalog.Languages())
	}
	reader, err := a.store.Outbox(ctx, message.Terminal, "chat-"+*as)
	if err != nil {
		return err
	}
	w := outbox.New(reader, terminal{out: stdout, r: a.content.catalog}, a.store,
		outbox.Options{Channel: message.Terminal, Now: a.now, Log: a.log})
	scan := bufio.NewScanner(stdin)
	scan.Buffer(make([]byte, 64*1024), 1024*1024)
	for {
		// Replies first: also those of an earlier run that were never printed.
		if err := w.Drain(ctx); err != nil {
			// The replies stay in the outbox and print once Redis answers again.
			fmt.Fprintf(stderr, "guidebot: %v\n", err)
		}
		if !scan.Scan() {
			return scan.Err()
		}
		in := message.Inbound{Channel: message.Terminal, Address: *as,
			Input: flow.Input{Kind: flow.Text, Text: scan.Text(), Lang: *lang}}
		if _, err := a.bot.Handle(ctx, in); err != nil {
			// Nothing was stored: say so in the participant's words, and why on stderr.
			fmt.Fprintf(stderr, "guidebot: %v\n", err)
			lang := *lang
			if lang == "" {
				lang = a.cfg.DefaultLang
			}
			fmt.Fprintf(stdout, "%s\n\n", a.content.catalog.Render(lang, flow.Message{ID: "common.error"}))
		}
	}
}

// terminal is the chat command's sender: it prints a reply as SMS would show it.
type terminal struct {
	out io.Writer
	r   channel.Renderer
}

func (t terminal) Send(_ context.Context, msg message.Outbound) error {
	_, err := fmt.Fprintf(t.out, "%s\n\n", channel.PlainText(t.r, msg))
	return err
}
