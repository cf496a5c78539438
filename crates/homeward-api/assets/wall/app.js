// wall display
