package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/rs/zerolog"
)

// stderrLog is the one way a command writes to stderr (besides the live progress bar on a terminal): zerolog
// records, and human text (summaries, tables, hints, prompts).
//
// With the console format the text is written as it is, and records through zerolog's ConsoleWriter. With
// the JSON format (--log-format json, or auto with stderr not a terminal) every text becomes one zerolog
// record, so that every line of stderr is a JSON object with "level" and "message". Both obey --log-level:
// a text at info level is hidden by --log-level warn, as an info record is.
//
// Build it with globalOptions.stderrLog; Logger is the run's logger (hand it to the executor, cloudapi).
type stderrLog struct {
	zerolog.Logger
	w    io.Writer // stderr
	json bool
	mu   *sync.Mutex // serialises console texts written from several goroutines
}

// stderrLog builds the stderr writer of the global flags; a bad --log-format or --log-level is a usage
// error naming it.
func (g *globalOptions) stderrLog() (*stderrLog, error) {
	log, err := g.logger()
	if err != nil {
		return nil, err
	}
	format, _ := g.format() // logger checked it
	return &stderrLog{Logger: log, w: g.stderr, json: format == "json", mu: &sync.Mutex{}}, nil
}

// JSON reports whether stderr carries JSON records only.
func (s *stderrLog) JSON() bool { return s.json }

// Enabled reports whether a text or record at level is written under --log-level.
func (s *stderrLog) Enabled(level zerolog.Level) bool { return level >= s.GetLevel() }

// Text writes a human text at level. On a console: the text as it is, with a final newline added when it
// lacks one. In JSON: one record whose message is the text's first line, with the other lines (tables,
// lists) in "lines", and fields added as they are (keys in snake_case, e.g. "plan_id").
func (s *stderrLog) Text(level zerolog.Level, text string, fields map[string]any) {
	if !s.Enabled(level) {
		return
	}
	s.write(s.Logger, level, text, fields)
}

// Infof is Text at info level of a formatted text, without fields.
func (s *stderrLog) Infof(format string, args ...any) {
	s.Text(zerolog.InfoLevel, fmt.Sprintf(format, args...), nil)
}

// Warnf is Text at warn level of a formatted text, without fields.
func (s *stderrLog) Warnf(format string, args ...any) {
	s.Text(zerolog.WarnLevel, fmt.Sprintf(format, args...), nil)
}

// Prompt writes a question the operator must see whatever --log-level says: as it is on a console (no
// newline added), a warn record in JSON.
func (s *stderrLog) Prompt(text string) {
	if !s.json {
		s.mu.Lock()
		defer s.mu.Unlock()
		io.WriteString(s.w, text)
		return
	}
	s.write(s.Level(zerolog.DebugLevel), zerolog.WarnLevel, text, nil)
}

// PromptWriter is Prompt as an io.Writer: each Write is one prompt.
func (s *stderrLog) PromptWriter() io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		s.Prompt(string(p))
		return len(p), nil
	})
}

// Lines returns a writer for code that prints lines of text (collect.Options.Progress): every complete line
// written is a Text at level. Writes must end on a line boundary to be seen at once; a partial line waits
// for its end.
func (s *stderrLog) Lines(level zerolog.Level) io.Writer {
	return lineWriter(func(line string) { s.Text(level, line, nil) })
}

// lineWriter calls each with every non-blank line written to it, without its newline; a line written in
// pieces is put together first.
func lineWriter(each func(line string)) io.Writer {
	var mu sync.Mutex
	var pending []byte
	return writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		pending = append(pending, p...)
		for {
			i := bytes.IndexByte(pending, '\n')
			if i < 0 {
				return len(p), nil
			}
			if line := string(pending[:i]); strings.TrimSpace(line) != "" {
				each(line)
			}
			pending = pending[i+1:]
		}
	})
}

// Fail writes the error a run ended with, whatever --log-level says: "ipam-teardown: ERR" on a console, an
// error record with the error and the exit code in JSON.
func (s *stderrLog) Fail(err error, code int) {
	if !s.json {
		s.mu.Lock()
		defer s.mu.Unlock()
		io.WriteString(s.w, "ipam-teardown: "+err.Error()+"\n")
		return
	}
	s.write(s.Level(zerolog.DebugLevel), zerolog.ErrorLevel, "ipam-teardown: "+err.Error(), map[string]any{"exit_code": code})
}

func (s *stderrLog) write(log zerolog.Logger, level zerolog.Level, text string, fields map[string]any) {
	if !s.json {
		if !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		io.WriteString(s.w, text)
		return
	}
	first, rest, _ := strings.Cut(strings.TrimRight(text, "\n"), "\n")
	ev := log.WithLevel(level)
	if len(fields) > 0 {
		ev = ev.Fields(fields)
	}
	if rest != "" {
		ev = ev.Strs("lines", strings.Split(rest, "\n"))
	}
	ev.Msg(strings.TrimRight(first, " "))
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
