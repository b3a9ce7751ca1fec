from commonfuture.cli import main

main()
