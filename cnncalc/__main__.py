from cnncalc.cli import main

raise SystemExit(main())
