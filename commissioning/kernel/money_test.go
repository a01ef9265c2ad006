package kernel

import "testing"

func TestPence(t *testing.T) {
	tests := []struct {
		in   string
		want Pence
		err  bool
		out  string
	}{
		{"4250", 425000, false, "£4,250.00"},
		{"£4,250.5", 425050, false, "£4,250.50"},
		{"0.07", 7, false, "£0.07"},
		{"1234567.89", 123456789, false, "£1,234,567.89"},
		{"", 0, true, ""},
		{"12.345", 0, true, ""},
		{"-5", 0, true, ""},
		{"five", 0, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePounds(tt.in)
			if (err != nil) != tt.err || got != tt.want {
				t.Fatalf("ParsePounds(%q) = %d, %v", tt.in, got, err)
			}
			if !tt.err && got.String() != tt.out {
				t.Fatalf("String() = %q, want %q", got.String(), tt.out)
			}
		})
	}
}
