"""What every function uses: AWS clients, configuration, logging, the clock, errors, phone numbers, caches."""
