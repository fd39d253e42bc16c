"""Layer 5: why a prompt was blocked: trigger localization, explanations, appeal files."""
