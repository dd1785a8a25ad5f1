from pepforms.cli import main

main()
