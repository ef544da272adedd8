"""What every lesson shares: feedback for checks, the demo frame, the chart style."""
