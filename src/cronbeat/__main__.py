from cronbeat.cli import main

main()
