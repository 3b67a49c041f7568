from physml.cli import main

if __name__ == "__main__":  # importing this module (e.g. by name from a model file) must not run the CLI
    raise SystemExit(main())
