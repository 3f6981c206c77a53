package export

import (
	"fmt"
	"io"
	"strings"
)

// WriteText prints the summary for a person: what was added, how many
// were kept, and which files are released, with what to do about them.
func (s *Summary) WriteText(w io.Writer, dir string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%d resources match; added %d, kept %d, released %d\n", s.Matched, len(s.Added), s.Kept, len(s.Released))
	if len(s.Added) > 0 {
		fmt.Fprintf(&b, "added %d:\n", len(s.Added))
		for _, e := range s.Added {
			fmt.Fprintf(&b, "  %s\t%s\n", e.File, e.ResourceID)
		}
	}
	if len(s.Released) > 0 {
		fmt.Fprintf(&b, "released %d (the resource is gone from the inventory or closed; the files are left in %s:\n"+
			"remove them in a reviewed change):\n", len(s.Released), dir)
		for _, e := range s.Released {
			fmt.Fprintf(&b, "  %s\t%s\n", e.File, e.ResourceID)
		}
	}
	if len(s.Duplicates) > 0 {
		fmt.Fprintf(&b, "duplicates %d (more than one file names the resource; keep one):\n", len(s.Duplicates))
		for _, e := range s.Duplicates {
			fmt.Fprintf(&b, "  %s\t%s\n", e.File, e.ResourceID)
		}
	}
	if len(s.Conflicts) > 0 {
		fmt.Fprintf(&b, "not exported %d:\n", len(s.Conflicts))
		for _, c := range s.Conflicts {
			fmt.Fprintf(&b, "  %s\t%s: %s\n", c.File, c.ResourceID, c.Reason)
		}
	}
	switch k := s.Kustomization; {
	case k.Created:
		fmt.Fprintf(&b, "%s: created with %d resources\n", k.File, len(k.Added))
	default:
		fmt.Fprintf(&b, "%s: %d resources added\n", k.File, len(k.Added))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
