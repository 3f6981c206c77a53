package audit

import (
	"io"

	"github.com/go-logr/logr"
	"github.com/go-logr/zapr"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// NewLogger returns the audit logger: JSON lines on w, one per record, in
// the shape of the manager's own log (ts, level, logger "audit", msg and
// the record's fields).
//
// It is built apart from the manager's logger on purpose. The manager's
// production logger samples (after 100 lines with one message in a
// second, it keeps one in 100), which would drop records in a renewal
// burst; and --zap-log-level=error would drop them all. This logger
// neither samples nor follows the level flag.
func NewLogger(w io.Writer) logr.Logger {
	cfg := zap.NewProductionEncoderConfig()
	cfg.TimeKey = "ts"
	cfg.EncodeTime = zapcore.RFC3339TimeEncoder
	core := zapcore.NewCore(zapcore.NewJSONEncoder(cfg), zapcore.Lock(zapcore.AddSync(w)), zapcore.InfoLevel)
	return zapr.NewLogger(zap.New(core)).WithName(LoggerName)
}
